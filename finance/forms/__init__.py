"""Finance forms, one module per concern (as in views): `financial_risks`, `ledger` (the ledger import)."""
