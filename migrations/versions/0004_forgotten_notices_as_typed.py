"""forgotten cadres; notice text stored as typed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:00:00

"""
import html
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

notices = sa.table("notices", sa.column("id", sa.Integer), sa.column("text", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table('cadres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forgotten_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    # notices used to be stored HTML-escaped (and were escaped again when shown): store the
    # text as it was typed; it is escaped once, where it becomes HTML
    connection = op.get_bind()
    for notice_id, text in connection.execute(sa.select(notices.c.id, notices.c.text)).all():
        plain = html.unescape(text or "")
        if plain != text:
            connection.execute(notices.update().where(notices.c.id == notice_id)
                               .values(text=plain))


def downgrade() -> None:
    connection = op.get_bind()
    for notice_id, text in connection.execute(sa.select(notices.c.id, notices.c.text)).all():
        connection.execute(notices.update().where(notices.c.id == notice_id)
                           .values(text=html.escape(text or "", quote=False)))
    with op.batch_alter_table('cadres', schema=None) as batch_op:
        batch_op.drop_column('forgotten_at')
