"""The customer archive: tiers, RFM, lifecycle and risk, derived from the CRM."""
