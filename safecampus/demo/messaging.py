"""Demo messages of the demo district: three group robots (the bureau's DingTalk robot, signed;
普教一科's WeCom robot; the demo primary school's DingTalk robot) on the real services' hosts but
paused, so the demo never sends anything outside; the bureau's settings with the default ladder,
普教一科's head, the centre's e-mail preferences, and a week of outbox history: digests and alerts
sent, a message the service refused (加签 wrong), one whose worker stopped mid-send (outcome
unknown), one that will be tried again, and a few waiting while their robot is paused. Every row
is written in bulk through the models, with the statuses, events and requests the outbox would
have left; nothing is sent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.messaging.choices import (
    Action,
    ChannelAction,
    Outcome,
    Status,
    Topic,
    Transport,
)
from safecampus.messaging.models import (
    Attempt,
    Channel,
    ChannelEvent,
    DepartmentHead,
    Message,
    MessageEvent,
    MessagingSettings,
    Preference,
)
from safecampus.orgs.models import Department, School

#: the demo's robots: the real services' addresses with demo tokens that exist nowhere
BUREAU_WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=demo0mh0bureau0robot0token"
BUREAU_SECRET = "SECdemo0not0a0real0signing0secret0mh0bureau"
DEPARTMENT_WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo-pj1-wecom-robot-key"
SCHOOL_WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=demo0school0robot0token"
CENTRE_EMAIL = "chenjing@example.com"
PAUSED_NOTE = "演示数据：机器人已暂停，演示环境不向钉钉、企业微信发送任何消息"

SIGN_REFUSED = (
    "钉钉拒绝了签名：加签密钥不正确。请在机器人的安全设置（加签）中重新复制以 SEC 开头的密钥。"
)
LOST = "结果未知：发送过程中工作进程停止，消息可能已送达。"
LOST_EVENT = "发送时工作进程停止，服务可能已收到该消息。"
HTTP_500 = "企业微信返回 HTTP 500，稍后重试。"


def _user(name: str) -> User:
    return User.objects.get(username=name)


def seed_demo_messaging(*, district, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    centre, pj1 = _user("centre"), _user("pj1")
    school_user = _user("school")
    school = School.objects.get(pk=school_user.role_assignments.first().school_id)
    dept = Department.objects.get(bureau=district, name="普教一科")
    created = now - datetime.timedelta(days=10)

    MessagingSettings.objects.create(bureau=district, updated_by=centre, updated_at=created)
    DepartmentHead.objects.create(department=dept, user=pj1, set_by=centre, set_at=created)
    Preference.objects.create(
        user=centre,
        email=CENTRE_EMAIL,
        email_topics=[Topic.ALERT, Topic.ESCALATION, Topic.REMINDER],
        email_digest=True,
        updated_at=created,
    )

    robots = [
        Channel(
            bureau=district,
            transport=Transport.DINGTALK,
            name="闵行区教育局校园安全工作群（演示·已暂停）",
            webhook=BUREAU_WEBHOOK,
            secret=BUREAU_SECRET,
            keywords="校园安全",
            created_by=centre,
            created_at=created,
        ),
        Channel(
            bureau=district,
            department=dept,
            transport=Transport.WECOM,
            name="普教一科工作群（演示·已暂停）",
            webhook=DEPARTMENT_WEBHOOK,
            topics=[Topic.ALERT, Topic.REMINDER, Topic.ESCALATION, Topic.DIGEST],
            created_by=pj1,
            created_at=created,
        ),
        Channel(
            bureau=district,
            school=school,
            transport=Transport.DINGTALK,
            name=f"{school.name}安全群（演示·已暂停）"[:64],
            webhook=SCHOOL_WEBHOOK,
            created_by=school_user,
            created_at=created,
        ),
    ]
    for robot in robots:
        robot.active = False
        robot.version = 2
    Channel.objects.bulk_create(robots)
    bureau_robot, dept_robot, school_robot = robots
    paused_at = now - datetime.timedelta(hours=2)
    events = []
    for robot in robots:
        events.append(
            ChannelEvent(
                channel=robot,
                action=ChannelAction.CREATE,
                actor=robot.created_by,
                at=created,
                data={"transport": robot.transport, "name": robot.name, "signed": robot.signed},
            )
        )
        events.append(
            ChannelEvent(
                channel=robot,
                action=ChannelAction.PAUSE,
                actor=centre,
                at=paused_at,
                data={"note": PAUSED_NOTE},
            )
        )
    ChannelEvent.objects.bulk_create(events)

    history = _History(district)
    day = timezone.localtime(now).date()
    for back in range(7, 0, -1):
        d = day - datetime.timedelta(days=back)
        at = timezone.make_aware(datetime.datetime.combine(d, datetime.time(7, 30)))
        for robot, who in ((bureau_robot, "b"), (dept_robot, "d"), (school_robot, "s")):
            history.sent(
                robot,
                Topic.DIGEST,
                f"digest:{d}:{who}",
                f"校园安全每日汇总（{d:%m月%d日}）",
                _digest_body(back),
                "/",
                at,
            )
        history.email(
            centre,
            Topic.DIGEST,
            f"digest:{d}:u{centre.pk}",
            f"校园安全每日汇总（{d:%m月%d日}）",
            _digest_body(back),
            at + datetime.timedelta(minutes=1),
        )
    alert_at = now - datetime.timedelta(days=3, hours=5)
    for robot, who in ((bureau_robot, "b"), (dept_robot, "d")):
        history.sent(
            robot,
            Topic.ALERT,
            f"alert:major:{who}",
            "重大隐患：实验楼消防通道堵塞",
            f"- 学校：{school.name}\n- 等级：重大\n- 请普教一科会同学校立即整改",
            "/hazards/",
            alert_at,
        )
    history.email(
        centre,
        Topic.ALERT,
        f"alert:major:u{centre.pk}",
        "重大隐患：实验楼消防通道堵塞",
        f"学校：{school.name}，等级：重大。请登录平台查看。",
        alert_at,
    )
    history.sent(
        school_robot,
        Topic.REMINDER,
        "reminder:self-check:s",
        "自查表明日到期",
        "- 冬季消防安全自查表将于明日截止，请尽快填报",
        "/campaigns/",
        now - datetime.timedelta(days=2, hours=2),
    )
    # the bureau's escalation the service refused: the signing secret was entered wrong
    history.failed(
        bureau_robot,
        Topic.ESCALATION,
        "escalation:overdue:b",
        "隐患逾期升级：围墙局部破损",
        f"- 学校：{school.name}\n- 已逾期 7 天，升级至安全管理中心",
        "/hazards/",
        now - datetime.timedelta(days=1, hours=3),
    )
    # the department's reminder whose worker stopped while WeCom was answering
    history.uncertain(
        dept_robot,
        Topic.REMINDER,
        "reminder:weekly:d",
        "周报提醒：本周安全周报未提交",
        "- 尚有 12 所学校未提交本周安全周报\n- 截止时间：周五 17:00",
        "/weekly/",
        now - datetime.timedelta(hours=20),
    )
    # tried once (HTTP 500), waiting for its next attempt; the robot was paused since
    history.retrying(
        dept_robot,
        Topic.ESCALATION,
        "escalation:overdue:d",
        "隐患逾期提醒：食堂排烟管道未清洗",
        f"- 学校：{school.name}\n- 已逾期 3 天，请科室负责人督促",
        "/hazards/",
        now - datetime.timedelta(hours=3),
    )
    # waiting: queued after the robots were paused
    for robot, who, title in (
        (bureau_robot, "b", "突发事件快报：学生课间摔伤"),
        (school_robot, "s", "自查表今日到期"),
        (school_robot, "s2", "护学岗排班已发布"),
    ):
        history.waiting(
            robot,
            Topic.ALERT if who == "b" else Topic.REMINDER,
            f"waiting:{who}",
            title,
            "- 详情请登录平台查看",
            "/",
            now - datetime.timedelta(minutes=40),
        )
    history.flush()
    Channel.objects.filter(pk__in=[r.pk for r in robots]).update(
        last_ok_at=now - datetime.timedelta(days=1, hours=2)
    )
    Channel.objects.filter(pk=bureau_robot.pk).update(
        last_error=SIGN_REFUSED, last_error_at=now - datetime.timedelta(days=1, hours=3)
    )
    return {
        "robots": len(robots),
        "messages": Message.objects.filter(bureau=district).count(),
        "waiting": Message.objects.filter(bureau=district, status=Status.PENDING).count(),
    }


def _digest_body(back: int) -> str:
    return "\n".join(
        [
            f"- 新上报隐患 {3 + back % 4} 项，逾期未整改 {back % 3} 项",
            f"- 今日到期自查表 {back % 5} 份",
            f"- 护学岗到岗率 {95 + back % 5}%",
            "- 详情请登录平台查看",
        ]
    )


class _History:
    """Messages with the events and requests the outbox leaves, written in bulk at the end."""

    def __init__(self, district):
        self.district = district
        self.rows: list[tuple[Message, list[tuple], list[dict]]] = []

    def _message(self, robot, topic, key, title, body, url, at, **fields) -> Message:
        return Message(
            bureau=self.district,
            channel=robot,
            transport=robot.transport if robot else Transport.EMAIL,
            topic=topic,
            key=key,
            title=title,
            body=body,
            url=url,
            created_at=at,
            not_before=at,
            next_attempt_at=at,
            parts_total=1,
            **fields,
        )

    def _add(self, message, moves, attempts):
        self.rows.append((message, moves, attempts))

    def sent(self, robot, topic, key, title, body, url, at):
        done = at + datetime.timedelta(seconds=2)
        m = self._message(
            robot,
            topic,
            key,
            title,
            body,
            url,
            at,
            status=Status.SENT,
            attempts=1,
            parts_sent=1,
            sent_at=done,
            version=3,
        )
        self._add(
            m,
            _claimed(at) + [(Action.DELIVER, Status.SENDING, Status.SENT, done, "")],
            [{"at": at, "outcome": Outcome.OK, "http_status": 200, "errcode": 0}],
        )

    def email(self, user, topic, key, title, body, at):
        done = at + datetime.timedelta(seconds=3)
        m = self._message(
            None,
            topic,
            key,
            title,
            body,
            "/",
            at,
            recipient=user,
            address=CENTRE_EMAIL,
            status=Status.SENT,
            attempts=1,
            parts_sent=1,
            sent_at=done,
            version=3,
        )
        self._add(
            m,
            _claimed(at) + [(Action.DELIVER, Status.SENDING, Status.SENT, done, "")],
            [{"at": at, "outcome": Outcome.OK}],
        )

    def failed(self, robot, topic, key, title, body, url, at):
        done = at + datetime.timedelta(seconds=1)
        m = self._message(
            robot,
            topic,
            key,
            title,
            body,
            url,
            at,
            status=Status.FAILED,
            attempts=1,
            last_error=SIGN_REFUSED,
            version=3,
        )
        self._add(
            m,
            _claimed(at) + [(Action.FAIL, Status.SENDING, Status.FAILED, done, SIGN_REFUSED)],
            [
                {
                    "at": at,
                    "outcome": Outcome.REFUSED,
                    "http_status": 200,
                    "errcode": 310000,
                    "detail": SIGN_REFUSED,
                }
            ],
        )

    def uncertain(self, robot, topic, key, title, body, url, at):
        reaped = at + datetime.timedelta(minutes=3)
        m = self._message(
            robot,
            topic,
            key,
            title,
            body,
            url,
            at,
            status=Status.UNCERTAIN,
            attempts=1,
            last_error=LOST,
            worker="demo-worker:4242:0a1b2c3d",
            version=3,
        )
        self._add(
            m,
            _claimed(at) + [(Action.LOSE, Status.SENDING, Status.UNCERTAIN, reaped, LOST_EVENT)],
            [{"at": at, "outcome": Outcome.IN_FLIGHT}],
        )

    def retrying(self, robot, topic, key, title, body, url, at):
        done = at + datetime.timedelta(seconds=9)
        m = self._message(
            robot,
            topic,
            key,
            title,
            body,
            url,
            at,
            status=Status.PENDING,
            attempts=1,
            last_error=HTTP_500,
            version=3,
        )
        m.next_attempt_at = done + datetime.timedelta(seconds=30)
        self._add(
            m,
            _claimed(at) + [(Action.RETRY, Status.SENDING, Status.PENDING, done, HTTP_500)],
            [{"at": at, "outcome": Outcome.ERROR, "http_status": 500, "detail": HTTP_500}],
        )

    def waiting(self, robot, topic, key, title, body, url, at):
        m = self._message(robot, topic, key, title, body, url, at, status=Status.PENDING)
        self._add(m, [(Action.QUEUE, "", Status.PENDING, at, "")], [])

    def flush(self) -> None:
        Message.objects.bulk_create([m for m, _moves, _attempts in self.rows])
        events, requests = [], []
        for m, moves, attempts in self.rows:
            for action, before, after, at, detail in moves:
                events.append(
                    MessageEvent(
                        message=m,
                        action=action,
                        from_status=before,
                        to_status=after,
                        at=at,
                        detail=detail,
                    )
                )
            for a in attempts:
                requests.append(
                    Attempt(channel=m.channel, message=m, part=1, worker="demo-worker", **a)
                )
        MessageEvent.objects.bulk_create(events)
        Attempt.objects.bulk_create(requests)


def _claimed(at) -> list[tuple]:
    return [
        (Action.QUEUE, "", Status.PENDING, at, ""),
        (Action.CLAIM, Status.PENDING, Status.SENDING, at, ""),
    ]
