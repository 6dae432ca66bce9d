"""Online reporting for the public, and the triage queue that turns reports into cases."""
