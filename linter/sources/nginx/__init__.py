"""nginx configuration files: tokenizer (syntax), fast reader (fastparse), one file's parse
(parse), include expansion (tree), the typed view rules read (model), directive checks
(directives), file sniffing (sniff), templates and placeholders (templating, placeholders),
stock includes, and the defaults table."""
