"""briefgen: turn raw news articles into briefs, a static site and an email digest."""

__version__ = "0.1.0"
