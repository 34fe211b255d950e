"""An attachment (a stored file, or a chart drawn as a PNG) sent to Slack as a file share, with
slack_sdk's `files_upload_v2`: files.getUploadURLExternal, a POST of the bytes to the URL it
returns, then files.completeUploadExternal with the channel (and thread) to share it in.

Only the last call makes the file visible; a failure before it leaves at most a private file
nobody sees, so the outbox may retry the whole upload without a second visible post.

Where it goes: a reply in a channel into that channel (its thread, when the reply has one);
a person into their DM with the bot (conversations.open); a private reply also into the
person's DM, since a file cannot be ephemeral. A reply in a channel the bot is not in (a slash
command answered through its response_url) goes to the person's DM instead."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

from adapters import attachments
from adapters.slack import client as api
from bot.delivery import Delivery, RetryLater, TargetKind, Undeliverable
from bot.outcome import Attachment

NOT_THERE = {"not_in_channel", "channel_not_found"}  # the bot cannot share in that channel
ALT_TEXT_LIMIT = 1000  # files.getUploadURLExternal's alt_txt


def send(client: WebClient, delivery: Delivery, attachment: Attachment) -> str:
    """Share the attachment; "<channel>:<file id>"."""
    name, data = attachments.content(delivery, attachment)
    reply = delivery.reply
    person = reply.user_id if reply is not None else ""
    if delivery.kind is TargetKind.PERSON:
        channel, thread, person = dm(client, delivery.target_id), "", ""
    elif delivery.kind is TargetKind.EPHEMERAL and person:
        channel, thread, person = dm(client, person), "", ""
    else:  # a channel, or a card update shown again there
        channel = reply.conversation if reply and delivery.kind is TargetKind.UPDATE else ""
        channel = channel or delivery.target_id
        thread = reply.thread if reply and reply.thread else ""
    try:
        return share(client, channel, thread, name, data, attachment)
    except Undeliverable as e:
        if not person or e.reason.removeprefix("slack: ") not in NOT_THERE:
            raise
        return share(client, dm(client, person), "", name, data, attachment)


def dm(client: WebClient, user_id: str) -> str:
    """The bot's DM channel with a person (a file share needs a channel id, not a user id)."""
    resp = api.call(lambda: client.conversations_open(users=user_id))
    return str(resp["channel"]["id"])


def share(
    client: WebClient, channel: str, thread: str, name: str, data: bytes, attachment: Attachment
) -> str:
    title = attachments.title(attachment)
    alt = {"alt_txt": title[:ALT_TEXT_LIMIT]} if attachment.chart is not None else {}
    thread_ts = {"thread_ts": thread} if thread else {}
    try:
        resp = api.call(
            lambda: client.files_upload_v2(
                channel=channel, filename=name, file=data, title=title, **alt, **thread_ts
            )
        )
    except SlackRequestError as e:  # the upload URL answered, but not with 200
        raise RetryLater(f"slack file upload: {e}") from None
    shared = resp.get("file") or {}
    return f"{channel}:{shared.get('id', '')}"
