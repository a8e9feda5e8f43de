pytest_plugins = ["dbfixtures"]
