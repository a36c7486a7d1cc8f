from ninja import Router

router = Router(tags=["建档立卡"])
