"""Dispute mediation between a supplier and its customers: parties, disputes, the ledger."""
