"""Finance pages, one module per concern (as in services and selectors): `financial_risks` so far."""
