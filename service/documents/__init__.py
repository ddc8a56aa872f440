"""Word documents the service produces (python-docx, A4, 公文 style):

supervision_notice   督办通知单 of a supervised item (builder + read use case)
reminder_notice      催办通知 (pure builder, called by the manual 催办 use case)
bulletin             督查通报 第N期 (pure builder); bulletin_figures gathers its figures,
                     bulletin_input checks a request, bulletins holds the use cases
layout               the page, fonts, dates and tables they share
"""
