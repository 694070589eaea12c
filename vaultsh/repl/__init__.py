"""The interactive shell: one held session, S3 and CloudFront commands, a toolbar.

`app` runs the prompt loop and wires the rest: `commands` holds the command
table and dispatch, `s3` and `cloudfront` do the AWS work (`progress` draws
a transfer's bar), `suggest` says what may come next at the cursor and
`completer` finds candidates, from `catalog` for S3 keys and invalidation ids
(listed in the background, cached), `renewal` keeps the session alive,
`toolbar` draws the bottom line and `history` keeps the typed lines.
"""
