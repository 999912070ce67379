"""S&T Partnerships Dashboard."""
