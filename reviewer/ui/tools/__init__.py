"""Canvas tools: the framework (``base``: Tool, ToolEvent, ToolContext, ToolManager) and the
detection editing tools (select / move / resize, draw box, draw polygon, pan, object actions).
``toolbar.install_tools(controller)`` puts them in the review window."""
