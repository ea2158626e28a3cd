"""Posting a form as the browser does: with the page's CSRF token among the fields."""


async def post_form(client, csrf, url: str, data: dict, files=None):
    return await client.post(
        url, data={"_csrf_token": await csrf(), **data}, files=files, follow_redirects=False
    )
