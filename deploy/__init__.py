"""Deployment files of Lotsen (docs/deployment.md); nginx_conf renders the nginx template."""
