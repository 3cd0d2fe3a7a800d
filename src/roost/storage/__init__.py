"""SQL storage shared by all services: DSNs, engines, transactions with retry, migrations."""
