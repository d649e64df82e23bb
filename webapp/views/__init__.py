"""One blueprint per area: search page, record pages, JSON API, OAI-PMH provider."""
