pytest_plugins = ["tests._services", "tests._redis", "tests._redis_cluster", "tests._redis_sentinel", "tests._valkey"]
