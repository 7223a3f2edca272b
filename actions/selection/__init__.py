"""Choosing what answers a question: its asks (``asks``), facts it states about
the official's case (``case_facts``), the conversation it leans on
(``context``) and the knowledge entry that answers it (``selector``)."""
