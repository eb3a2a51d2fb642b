"""API routers (Powertools `Router`s), request/response models and error handling."""
