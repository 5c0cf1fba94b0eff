"""modelwatch: monitor machine-learning models in production."""
