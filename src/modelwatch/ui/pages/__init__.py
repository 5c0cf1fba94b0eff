"""The dashboard's pages, each a function from plain records (`records`) to a whole HTML document."""
