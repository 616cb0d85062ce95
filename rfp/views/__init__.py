"""The browser door for RFPs. Thin: find what the user may see, parse the
form, call one service, render. Rules live in rfp.services.

The pages, by area (rfp/urls.py imports these modules):
- `browse`: the list, a new RFP, the RFP page, preview, timeline, documents, templates;
- `editor`: the stepped editor and the RFP's documents;
- `content`: lots, questionnaire sections and questions, pricing lines and KPIs;
- `lifecycle`: check your answers, submit, approve, return, start evaluation, cancel;
- `distribution`: inviting vendors; the vendor's intention to bid, decline, acknowledgement;
- `clarifications`: vendors' questions and the buyer's answers.
"""
