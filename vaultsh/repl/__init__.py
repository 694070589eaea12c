"""The interactive shell: one held session, S3 and CloudFront commands, a toolbar.

`app` runs the prompt loop, `commands` holds the command table and dispatch,
`s3` and `cloudfront` do the AWS work, `suggest` and `completer` complete,
`toolbar` draws the bottom line and `history` keeps the typed lines.
"""
