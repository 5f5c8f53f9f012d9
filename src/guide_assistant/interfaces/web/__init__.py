"""The assistant in the browser: FastAPI pages (Jinja2, working without JavaScript; HTMX for
partial updates) and the HTTP API under /api/v1. It calls the service only."""
