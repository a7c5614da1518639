"""The serve stage: the FastAPI app (chat page, JSON API, OpenAI-compatible chat), admin routes,
feedback, and what the pages need."""
