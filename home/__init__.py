"""The top layer: what composes every app (the dashboard, the onboarding choice)."""
