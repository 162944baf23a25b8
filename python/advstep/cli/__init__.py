"""The ``advstep`` command (``python -m advstep``): run, golden, check and explain.

One module per verb (run.py, golden.py, check.py, explain.py) over shared pieces: the cases
(case.py, case_files.py, builtin.py), the tensor folders (tensor_files.py) and files
(tensor_io.py), the folder a verb writes (out_folder.py), the checks on what files hold (names.py:
case names are plain folder names; json_files.py, limits.py: JSON, integers, shapes, memory), the
semantics (semantics.py), the library call (library.py) and the command's own reference
(reference.py).
"""
