"""Bringing people in: registrant import from CSV, personal invitations, participant export."""
