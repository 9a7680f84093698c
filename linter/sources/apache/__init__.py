"""Apache httpd: httpd.conf / apache2.conf and the files they include."""
