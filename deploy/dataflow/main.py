"""Flex Template entry file (FLEX_TEMPLATE_PYTHON_PY_FILE): hands every flag to nordwire's launcher."""

from nordwire.pipeline.launch import main

if __name__ == "__main__":
    main()
