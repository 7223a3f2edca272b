-- First start of the compose PostgreSQL: the records database (POSTGRES_DB=lotsen)
-- exists already; the tracker store gets its own.
CREATE DATABASE lotsen_tracker OWNER lotsen;
