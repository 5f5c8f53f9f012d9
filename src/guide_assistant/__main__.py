from guide_assistant.interfaces.process import main

if __name__ == "__main__":
    main()
