"""Finance pages, one module per concern (as in services and selectors): `plan`, `financial_risks`, `budgets`,
`ledger` (the ledger import), `activity`."""
