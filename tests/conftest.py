pytest_plugins = ["tests._services", "tests._redis"]
