"""nginx configuration files: the reader is nglint.nginx_parse/nginx_tree; defaults live here."""
