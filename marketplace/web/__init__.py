"""What every page shares: templates, language, security headers, error pages."""
