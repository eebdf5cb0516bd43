"""One package per backend; each provides ``create_backend(url, **kwargs)``."""
