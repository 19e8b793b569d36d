"""Local development tools: demo personas and the Agents Playground launcher (not shipped)."""
