"""CasePilot (grounded questions and answers) and Case2Code (a clinical note to codes)."""
