"""Puma: config/puma.rb (read with tree-sitter's Ruby grammar) and Gemfile.lock's version."""
