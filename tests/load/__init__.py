"""Load and concurrency tests against real servers."""
