"""Terminal, Markdown and JSON views: the only place units become ms, GiB and $."""
