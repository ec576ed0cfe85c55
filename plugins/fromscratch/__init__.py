"""Learning LLMs From Scratch: the MkDocs plugin behind the site.

Shortcodes from the site's first version, root-absolute links that survive a
sub-path deployment, self-hosted front-end assets, executed notebooks and the
in-browser model runtime each live in a module of their own.
"""
