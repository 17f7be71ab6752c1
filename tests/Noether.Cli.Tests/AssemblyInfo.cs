// Verbs print through Spectre.Console's process-wide console, and its live displays (progress bars) refuse to run
// concurrently; the CLI tests therefore run one at a time, as a user's shell would run the verbs.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
