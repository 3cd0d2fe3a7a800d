"""The OAuth2 service's SQL: Hydra's tables and one store per aggregate."""
