"""CaseConsultant: coding questions asked by email (or on the site), answered by CasePilot
or, when it cannot, by a coder from the review queue."""
