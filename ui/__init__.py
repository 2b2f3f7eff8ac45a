"""The web UI: server-rendered pages (Django templates with htmx partials) over the
other apps' selectors (reads) and services (writes). Docs: README, "Web UI"."""
