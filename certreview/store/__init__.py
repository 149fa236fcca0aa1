"""Storage: the engine, the models and migrations, the image store, decisions, loading rule inputs."""
