from fupin.core import platform


class NotificationsConfig(platform.FupinApp):
    """The inbox (站内消息), its bell and the SMS senders: a platform app every domain may
    tell people through (`services.message_send_many`…); it imports no domain."""

    name = "fupin.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    # Everyone may read their own messages: no permission. The item stays last of 监管预警,
    # where the menu has always shown it (the supervision items have order 0).
    nav = (
        platform.NavSection(
            "监管预警", (platform.NavItem("消息", "notifications:inbox", order=100),), 400
        ),
    )
    # Mounted where the inbox has always been; Django tries it before supervision/ (this app
    # comes first in INSTALLED_APPS) and no supervision pattern matches inbox/ anyway.
    urls = (("supervision/inbox/", "fupin.notifications.urls"),)
    api_routers = (("/supervision", "fupin.notifications.api.router"),)
    context_processors = ("fupin.notifications.context_processors.inbox",)
    # Message is not audited (it was not before the move either): reading a message is not a
    # change of business data, and the trail would fill with read marks.
