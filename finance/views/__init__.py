"""Finance pages, one module per concern (as in services and selectors): `plan`, `financial_risks`, `ledger`
(the ledger import)."""
