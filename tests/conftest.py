pytest_plugins = ["tests._services", "tests._redis", "tests._redis_cluster", "tests._valkey"]
