import os

from sqlalchemy import Column, DateTime, Integer, String, create_engine, func
from sqlalchemy.orm import declarative_base, sessionmaker

engine = create_engine(os.environ.get("RECORDS_DB_URL", "postgresql+psycopg://records@localhost/records"))
Session = sessionmaker(engine)
Base = declarative_base()


class ProcessedMessage(Base):
    __tablename__ = "processed_messages"
    message_id = Column(String, primary_key=True)
    processed_at = Column(DateTime, server_default=func.now())


class LedgerLine(Base):
    __tablename__ = "ledger_lines"
    id = Column(Integer, primary_key=True)
    patient_id = Column(String, index=True)
    appointment_id = Column(String, index=True)
    kind = Column(String)
    amount_cents = Column(Integer, nullable=True)
    note = Column(String, nullable=True)
