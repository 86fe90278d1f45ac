pytest_plugins = ["tests._services"]
